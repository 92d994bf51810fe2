package kmig.test;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerExtensionsValidatorCallback;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka broker's OAUTHBEARER validator for MSK-IAM-shaped tokens, for the real tier's IAM test:
 * {@code listener.name.<l>.oauthbearer.sasl.server.callback.handler.class=kmig.test.MskIamValidatorCallbackHandler}.
 * Each token is checked by {@link MskIamTokenValidator} (signature recomputed with the secret of
 * its access key id); the principal is the access key id. The credentials file comes from the
 * JAAS option {@code credentialsFile} or the system property {@code kmig.iam.credentials.file};
 * the optional JAAS option / property {@code region} (/ {@code kmig.iam.region}) pins the region.
 * Refusals are logged with their reason (never the token or a secret) and answered
 * {@code invalid_token}. SASL extensions are accepted as they come.
 */
public final class MskIamValidatorCallbackHandler implements AuthenticateCallbackHandler {
    private static final Logger LOG = LoggerFactory.getLogger(MskIamValidatorCallbackHandler.class);
    private MskIamTokenValidator validator;

    @Override
    public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {
        if (!OAuthBearerLoginModule.OAUTHBEARER_MECHANISM.equals(saslMechanism))
            throw new IllegalArgumentException("unexpected SASL mechanism " + saslMechanism);
        String file = System.getProperty("kmig.iam.credentials.file");
        String region = System.getProperty("kmig.iam.region");
        for (AppConfigurationEntry e : jaasConfigEntries) {
            Object f = e.getOptions().get("credentialsFile");
            Object r = e.getOptions().get("region");
            if (f != null) file = f.toString();
            if (r != null) region = r.toString();
        }
        if (file == null || file.isEmpty())
            throw new IllegalArgumentException("no credentials file: set the JAAS option credentialsFile or -Dkmig.iam.credentials.file");
        validator = new MskIamTokenValidator(Path.of(file), region);
        LOG.info("kmig MSK IAM validator: credentials from {}, region {}", file, region == null ? "any" : region);
    }

    @Override
    public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
        for (Callback cb : callbacks) {
            if (cb instanceof OAuthBearerValidatorCallback) {
                OAuthBearerValidatorCallback v = (OAuthBearerValidatorCallback) cb;
                try {
                    MskIamTokenValidator.Result r = validator.validate(v.tokenValue(), System.currentTimeMillis());
                    v.token(new Token(v.tokenValue(), r));
                    LOG.info("kmig MSK IAM validator: accepted {}", r.accessKeyId);
                } catch (MskIamTokenValidator.Invalid e) {
                    LOG.warn("kmig MSK IAM validator: refused a token: {}", e.getMessage());
                    v.error("invalid_token", null, null);
                }
            } else if (cb instanceof OAuthBearerExtensionsValidatorCallback) {
                OAuthBearerExtensionsValidatorCallback x = (OAuthBearerExtensionsValidatorCallback) cb;
                x.inputExtensions().map().keySet().forEach(x::valid);
            } else {
                throw new UnsupportedCallbackException(cb);
            }
        }
    }

    @Override
    public void close() {}

    private static final class Token implements OAuthBearerToken {
        private final String value;
        private final MskIamTokenValidator.Result r;

        Token(String value, MskIamTokenValidator.Result r) {
            this.value = value;
            this.r = r;
        }

        @Override public String value() { return value; }
        @Override public Set<String> scope() { return Collections.emptySet(); }
        @Override public long lifetimeMs() { return r.expiresMs; }
        @Override public String principalName() { return r.accessKeyId; }
        @Override public Long startTimeMs() { return r.startMs; }
        @Override public String toString() { return "MskIamToken[" + r.accessKeyId + "]"; }
    }
}
