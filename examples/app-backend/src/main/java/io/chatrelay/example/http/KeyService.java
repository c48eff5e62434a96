package io.chatrelay.example.http;

import io.chatrelay.example.keys.KeyRing;
import io.chatrelay.example.keys.SharedSecret;
import io.chatrelay.example.keys.SigningKeys;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The public keys and their rotation:
 * <ul>
 * <li>{@code GET /.well-known/jwks.json}: the JWKS the gateway reads ({@code CHAT_AUTH_JWKS}); no
 * key with HS256</li>
 * <li>{@code POST /admin/rotate} with {@code Authorization: Bearer <admin key>}: a new current key;
 * the previous one stays published for the grace period</li>
 * </ul>
 */
final class KeyService implements HttpService {
    private static final Logger LOG = System.getLogger(KeyService.class.getName());

    private final SigningKeys keys;
    private final AdminKey adminKey;

    KeyService(SigningKeys keys, AdminKey adminKey) {
        this.keys = keys;
        this.adminKey = adminKey;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/.well-known/jwks.json", (req, res) -> {
            res.headers().contentType(MediaTypes.APPLICATION_JSON);
            // the gateway fetches again on an unknown key id: no cache may answer with the old set
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            res.send(keys.publicKeys().toString(true).getBytes(StandardCharsets.UTF_8));
        });
        rules.post("/admin/rotate", Json.handler(req -> {
            adminKey.require(Json.bearer(req), "rotation");
            return switch (keys) {
                case KeyRing ring -> rotated(ring.rotate());
                case SharedSecret secret -> throw new HttpProblem(Status.CONFLICT_409, "rotation_unavailable",
                        "HS256 uses the secret the gateway has: change CHAT_AUTH_JWT_SECRET on both sides instead");
            };
        }));
    }

    private static Map<String, Object> rotated(KeyRing.Rotation rotation) {
        List<Map<String, Object>> previous = rotation.previous().stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("kid", r.key().getKeyID());
            m.put("until", r.until() == null ? null : r.until().getEpochSecond());
            return m;
        }).toList();
        LOG.log(Level.INFO, "event=key_rotated kid={0} published={1}", rotation.kid(), previous.size() + 1);
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("kid", rotation.kid());
        reply.put("previous", previous);
        return reply;
    }
}
