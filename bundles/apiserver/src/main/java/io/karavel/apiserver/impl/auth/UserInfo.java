package io.karavel.apiserver.impl.auth;

import java.util.List;

/**
 * The authenticated caller.
 *
 * @param name user name, e.g. {@code admin} or {@code system:anonymous}
 * @param groups groups, e.g. {@code system:masters}
 */
public record UserInfo(String name, List<String> groups) {
    /** Plain-http loopback callers until token authentication exists. */
    public static final UserInfo ADMIN = new UserInfo("admin", List.of("system:masters", "system:authenticated"));

    public UserInfo {
        groups = List.copyOf(groups);
    }
}
