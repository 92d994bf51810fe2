package kmig.test;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Checks one MSK IAM token from the command line, as the broker-side handler would:
 *
 * <pre>
 *   java -jar kmig-iam-validator.jar --credentials FILE [--region R] [--now YYYYMMDDTHHMMSSZ] TOKEN
 * </pre>
 *
 * Exit 0 and the principal (the access key id) on stdout when valid; exit 1 and the reason on
 * stderr when refused; 2 on bad usage. {@code --now} checks the token as of that time (for tokens
 * signed at a fixed time). The token is never printed.
 */
public final class MskIamTokenCheck {
    private MskIamTokenCheck() {}

    public static void main(String[] args) {
        String creds = null, region = null, token = null;
        long now = System.currentTimeMillis();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--credentials": creds = args[++i]; break;
                    case "--region": region = args[++i]; break;
                    case "--now":
                        now = LocalDateTime.parse(args[++i], DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"))
                                .toInstant(ZoneOffset.UTC).toEpochMilli();
                        break;
                    default:
                        if (token != null || args[i].startsWith("--")) throw new IllegalArgumentException(args[i]);
                        token = args[i];
                }
            }
        } catch (RuntimeException e) {
            token = null;
        }
        if (creds == null || token == null) {
            System.err.println("usage: MskIamTokenCheck --credentials FILE [--region R] [--now YYYYMMDDTHHMMSSZ] TOKEN");
            System.exit(2);
        }
        try {
            MskIamTokenValidator.Result r = new MskIamTokenValidator(Path.of(creds), region).validate(token.trim(), now);
            System.out.println(r.accessKeyId);
            System.exit(0);
        } catch (MskIamTokenValidator.Invalid e) {
            System.err.println("invalid token: " + e.getMessage());
            System.exit(1);
        }
    }
}
