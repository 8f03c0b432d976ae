package io.karavel.apiserver.impl.strategy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** Secrets: type defaults to Opaque; {@code stringData} is folded into {@code data} (base64), as Kubernetes does. */
public final class SecretStrategy implements ResourceStrategy {
    @Override
    public java.util.List<io.karavel.apiserver.impl.table.TableColumn> tableColumns() {
        return io.karavel.apiserver.impl.table.BuiltinColumns.SECRET;
    }

    @Override
    public boolean hasSpec() {
        return false;
    }

    @Override
    public void applyDefaults(HasMetadata object) {
        Secret secret = (Secret) object;
        if (secret.getType() == null) {
            secret.setType("Opaque");
        }
        if (secret.getStringData() != null && !secret.getStringData().isEmpty()) {
            Map<String, String> data = secret.getData() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(secret.getData());
            secret.getStringData().forEach(
                    (k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
            secret.setData(data);
        }
        secret.setStringData(null);
    }

    @Override
    public void validate(HasMetadata object, FieldErrors errors) {
        Secret secret = (Secret) object;
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> {
                try {
                    Base64.getDecoder().decode(v == null ? "" : v);
                } catch (IllegalArgumentException e) {
                    errors.invalid("data[" + k + "]", "<secret contents redacted>", "illegal base64 data");
                }
            });
        }
    }
}
