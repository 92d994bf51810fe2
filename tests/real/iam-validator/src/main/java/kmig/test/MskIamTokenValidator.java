package kmig.test;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks an Amazon MSK IAM authentication token the way the test needs an MSK broker to:
 * the token is the base64url (no padding) of a SigV4 query-presigned URL
 * {@code https://kafka.<region>.amazonaws.com/?Action=kafka-cluster%3AConnect&X-Amz-...}; its
 * signature is recomputed from the secret of its access key id, read from a credentials file
 * (one credential a line, {@code KEYID SECRET [SESSION_TOKEN]}, as {@code kmig-testkit fake-aws
 * --creds-out} writes it). Unknown keys, a wrong or missing session token, a signature that does
 * not match, a token not yet valid or expired (X-Amz-Date + X-Amz-Expires, 5 minutes of clock
 * skew either way) and any deviation from the MSK IAM shape are refused. The parameter
 * {@code User-Agent} is not signed (the signers append it after signing) and is ignored.
 *
 * <p>Pure JDK, so the command-line checker runs without Kafka's jars. Reasons never contain the
 * token, the signature, a secret or a session token.
 */
public final class MskIamTokenValidator {
    public static final String SERVICE = "kafka-cluster";
    public static final String ACTION = "kafka-cluster:Connect";
    public static final long SKEW_MS = 5 * 60 * 1000L;
    private static final Pattern HOST = Pattern.compile("kafka\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?");
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]+");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final String EMPTY_SHA256 =
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /** A refused token; the message is safe to print. */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String reason) {
            super(reason);
        }
    }

    /** What a valid token says. */
    public static final class Result {
        public final String accessKeyId;
        public final String region;
        public final long startMs;
        public final long expiresMs;

        Result(String accessKeyId, String region, long startMs, long expiresMs) {
            this.accessKeyId = accessKeyId;
            this.region = region;
            this.startMs = startMs;
            this.expiresMs = expiresMs;
        }
    }

    private static final class Cred {
        final String secret;
        final String sessionToken; // null for long-term keys

        Cred(String secret, String sessionToken) {
            this.secret = secret;
            this.sessionToken = sessionToken;
        }
    }

    private final Path credentialsFile;
    private final String expectedRegion; // null: any

    public MskIamTokenValidator(Path credentialsFile, String expectedRegion) {
        this.credentialsFile = credentialsFile;
        this.expectedRegion = expectedRegion;
    }

    /** Read at each check: the test may add credentials while the broker runs. */
    private Map<String, Cred> credentials() throws Invalid {
        Map<String, Cred> m = new HashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(credentialsFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Invalid("cannot read the credentials file " + credentialsFile + ": " + e.getClass().getSimpleName());
        }
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && !f[0].startsWith("#")) m.put(f[0], new Cred(f[1], f.length >= 3 ? f[2] : null));
        }
        return m;
    }

    public Result validate(String token, long nowMs) throws Invalid {
        if (token == null || token.isEmpty()) throw new Invalid("empty token");
        if (!TOKEN.matcher(token).matches()) throw new Invalid("not base64url without padding");
        String url;
        try {
            url = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Invalid("not base64url");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new Invalid("the decoded token is not a URL");
        }
        if (!"https".equals(uri.getScheme())) throw new Invalid("the URL is not https");
        String host = uri.getHost();
        Matcher hm = HOST.matcher(host == null ? "" : host);
        if (!hm.matches()) throw new Invalid("host is not kafka.<region>.amazonaws.com: " + host);
        if (uri.getPort() != -1 || uri.getRawUserInfo() != null || uri.getRawFragment() != null)
            throw new Invalid("the URL has a port, user info or fragment");
        String region = hm.group(1);
        if (expectedRegion != null && !expectedRegion.equals(region))
            throw new Invalid("region " + region + ", expected " + expectedRegion);
        String path = uri.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) throw new Invalid("path is not /");
        String rawQuery = uri.getRawQuery();
        if (rawQuery == null) throw new Invalid("no query");

        // Decoded parameters; each name at most once.
        Map<String, String> params = new HashMap<>();
        for (String pair : rawQuery.split("&", -1)) {
            int eq = pair.indexOf('=');
            String name = percentDecode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : percentDecode(pair.substring(eq + 1));
            if (params.put(name, value) != null) throw new Invalid("parameter repeated: " + name);
        }
        require(params, "Action", ACTION);
        require(params, "X-Amz-Algorithm", "AWS4-HMAC-SHA256");
        require(params, "X-Amz-SignedHeaders", "host");
        String credential = present(params, "X-Amz-Credential");
        String amzDate = present(params, "X-Amz-Date");
        String expires = present(params, "X-Amz-Expires");
        String signature = present(params, "X-Amz-Signature");
        if (!signature.matches("[0-9a-f]{64}")) throw new Invalid("X-Amz-Signature is not 64 lowercase hex digits");

        String[] scope = credential.split("/", -1);
        if (scope.length != 5) throw new Invalid("X-Amz-Credential is not KEY/DATE/REGION/SERVICE/aws4_request");
        String keyId = scope[0];
        if (!scope[2].equals(region)) throw new Invalid("credential scope region " + scope[2] + " is not the host's " + region);
        if (!scope[3].equals(SERVICE)) throw new Invalid("credential scope service is " + scope[3] + ", not " + SERVICE);
        if (!scope[4].equals("aws4_request")) throw new Invalid("credential scope does not end in aws4_request");
        long startMs;
        try {
            startMs = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new Invalid("X-Amz-Date is not YYYYMMDDTHHMMSSZ");
        }
        if (!amzDate.startsWith(scope[1]) || scope[1].length() != 8)
            throw new Invalid("credential scope date " + scope[1] + " is not the day of X-Amz-Date " + amzDate);
        long expiresS;
        if (!expires.matches("[0-9]{1,6}") || (expiresS = Long.parseLong(expires)) < 1 || expiresS > 604800)
            throw new Invalid("X-Amz-Expires is not 1..604800");
        long expiresMs = startMs + expiresS * 1000;
        if (startMs > nowMs + SKEW_MS) throw new Invalid("signed in the future (X-Amz-Date " + amzDate + ")");
        if (expiresMs + SKEW_MS < nowMs)
            throw new Invalid("expired (X-Amz-Date " + amzDate + " + " + expiresS + " s)");

        Cred cred = credentials().get(keyId);
        if (cred == null) throw new Invalid("unknown access key id " + keyId);
        String token2 = params.get("X-Amz-Security-Token");
        if (cred.sessionToken != null) {
            if (token2 == null) throw new Invalid("no X-Amz-Security-Token for temporary credentials " + keyId);
            if (!MessageDigest.isEqual(token2.getBytes(StandardCharsets.UTF_8), cred.sessionToken.getBytes(StandardCharsets.UTF_8)))
                throw new Invalid("X-Amz-Security-Token is not the session token of " + keyId);
        } else if (token2 != null) {
            throw new Invalid("X-Amz-Security-Token given for long-term credentials " + keyId);
        }

        // The canonical request: every parameter but the signature and the unsigned User-Agent.
        TreeMap<String, String> canon = new TreeMap<>();
        for (Map.Entry<String, String> e : params.entrySet()) {
            if (e.getKey().equals("X-Amz-Signature") || e.getKey().equals("User-Agent")) continue;
            canon.put(uriEncode(e.getKey()), uriEncode(e.getValue()));
        }
        List<String> q = new ArrayList<>();
        for (Map.Entry<String, String> e : canon.entrySet()) q.add(e.getKey() + "=" + e.getValue());
        String canonicalRequest = "GET\n/\n" + String.join("&", q) + "\nhost:" + host.toLowerCase() + "\n\nhost\n" + EMPTY_SHA256;
        String scopeStr = scope[1] + "/" + region + "/" + SERVICE + "/aws4_request";
        String stringToSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scopeStr + "\n" + hex(sha256(canonicalRequest));
        byte[] expected;
        try {
            byte[] k = hmac(("AWS4" + cred.secret).getBytes(StandardCharsets.UTF_8), scope[1]);
            k = hmac(k, region);
            k = hmac(k, SERVICE);
            k = hmac(k, "aws4_request");
            expected = hex(hmac(k, stringToSign)).getBytes(StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new Invalid("HMAC unavailable: " + e.getClass().getSimpleName());
        }
        if (!MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII)))
            throw new Invalid("signature does not match for " + keyId);
        return new Result(keyId, region, startMs, expiresMs);
    }

    private static void require(Map<String, String> p, String name, String value) throws Invalid {
        String v = present(p, name);
        if (!v.equals(value)) throw new Invalid(name + " is " + v + ", not " + value);
    }

    private static String present(Map<String, String> p, String name) throws Invalid {
        String v = p.get(name);
        if (v == null || v.isEmpty()) throw new Invalid("no " + name);
        return v;
    }

    /** Percent-decoding of a query component; '+' is a space (form encoding, as User-Agent uses). */
    static String percentDecode(String s) throws Invalid {
        byte[] out = new byte[s.length()];
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) throw new Invalid("bad percent-encoding");
                int hi = Character.digit(s.charAt(i + 1), 16), lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) throw new Invalid("bad percent-encoding");
                out[n++] = (byte) (hi * 16 + lo);
                i += 2;
            } else if (c == '+') {
                out[n++] = ' ';
            } else if (c < 0x80) {
                out[n++] = (byte) c;
            } else {
                throw new Invalid("non-ASCII character in the query");
            }
        }
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    /** AWS's UriEncode: unreserved A-Z a-z 0-9 - _ . ~ kept, everything else %XX (uppercase). */
    static String uriEncode(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~')
                b.append((char) c);
            else
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
        }
        return b.toString();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) s.append(Character.forDigit((x >> 4) & 15, 16)).append(Character.forDigit(x & 15, 16));
        return s.toString();
    }
}
