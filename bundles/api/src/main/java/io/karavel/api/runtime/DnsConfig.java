package io.karavel.api.runtime;

import java.util.List;

/**
 * The resolver a pod's containers use (CRI's {@code DNSConfig}): what the runtime writes to the
 * pod's {@code /etc/resolv.conf}.
 *
 * @param servers name server addresses, in order
 * @param searches search domains, in order
 * @param options resolver options such as {@code ndots:5}
 * @since 1.2
 */
public record DnsConfig(List<String> servers, List<String> searches, List<String> options) {
    public DnsConfig {
        servers = List.copyOf(servers);
        searches = List.copyOf(searches);
        options = List.copyOf(options);
    }

    /** The file's text: {@code nameserver}, {@code search} and {@code options} lines. */
    public String resolvConf() {
        StringBuilder text = new StringBuilder();
        for (String server : servers) {
            text.append("nameserver ").append(server).append('\n');
        }
        if (!searches.isEmpty()) {
            text.append("search ").append(String.join(" ", searches)).append('\n');
        }
        if (!options.isEmpty()) {
            text.append("options ").append(String.join(" ", options)).append('\n');
        }
        return text.toString();
    }
}
