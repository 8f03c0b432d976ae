package io.karavel.kubelet.impl.pod;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.PodDNSConfigOption;
import io.karavel.api.runtime.DnsConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A pod's resolver, with the kubelet's {@code dnsPolicy} rules:
 * <ul>
 * <li>{@code ClusterFirst} (the default): the cluster DNS server alone, searches
 *     {@code <ns>.svc.<domain> svc.<domain> <domain>} followed by the host's, option {@code ndots:5};
 *     a {@code hostNetwork} pod falls back to {@code Default}, and so does every pod when no cluster
 *     DNS is known (the kubelet without {@code clusterDNS});</li>
 * <li>{@code ClusterFirstWithHostNet}: {@code ClusterFirst}, {@code hostNetwork} or not;</li>
 * <li>{@code Default}: the host's resolver;</li>
 * <li>{@code None}: only what {@code spec.dnsConfig} says.</li>
 * </ul>
 * {@code spec.dnsConfig} is then merged in: its nameservers and searches appended (duplicates
 * dropped), its options merged by name (the pod's value wins). The result fits resolv.conf's
 * limits (3 nameservers; 32 search domains of at most 253 characters, 2048 in all), with a warning
 * when something had to go. {@code null} stands for "the runtime's default", which is the host's
 * resolver: it is returned for a pod that would get the host's resolver unchanged.
 */
final class PodDnsConfigs {

    static final int MAX_NAMESERVERS = 3;
    static final int MAX_SEARCHES = 32;
    static final int MAX_SEARCH_CHARS = 2048;
    static final int MAX_DOMAIN_LENGTH = 253;

    private PodDnsConfigs() {
    }

    /**
     * @param host the host's resolver (its /etc/resolv.conf)
     * @param clusterDomain the cluster's domain ({@code cluster.local}); empty: no cluster searches
     * @param clusterDns the cluster DNS server for the pod's network; {@code null} when there is none
     * @param warnings receives what a pod's Warning event should say (limits exceeded)
     */
    static DnsConfig build(Pod pod, DnsConfig host, String clusterDomain, String clusterDns,
                           Consumer<String> warnings) {
        PodDNSConfig podConfig = pod.getSpec().getDnsConfig();
        String policy = pod.getSpec().getDnsPolicy();
        boolean hostNetwork = Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
        DnsConfig base;
        if ("None".equals(policy)) {
            base = new DnsConfig(List.of(), List.of(), List.of());
        } else if ("Default".equals(policy) || ("ClusterFirst".equals(nullToDefault(policy)) && hostNetwork)
                || clusterDns == null || clusterDns.isEmpty()) {
            if (podConfig == null) {
                return null; // the host's resolver as it is: the runtime's default
            }
            base = host;
        } else {
            // ClusterFirst, ClusterFirstWithHostNet (and anything unknown, as the kubelet does)
            List<String> searches = new ArrayList<>();
            if (clusterDomain != null && !clusterDomain.isEmpty()) {
                String namespace = pod.getMetadata().getNamespace();
                searches.addAll(List.of(namespace + ".svc." + clusterDomain, "svc." + clusterDomain, clusterDomain));
            }
            searches.addAll(host.searches());
            base = new DnsConfig(List.of(clusterDns), distinct(searches), List.of("ndots:5"));
        }
        DnsConfig merged = podConfig == null ? base : merge(base, podConfig);
        return fitLimits(merged, warnings);
    }

    private static String nullToDefault(String policy) {
        return policy == null || policy.isEmpty() ? "ClusterFirst" : policy;
    }

    static DnsConfig merge(DnsConfig base, PodDNSConfig pod) {
        List<String> servers = new ArrayList<>(base.servers());
        servers.addAll(nullToEmpty(pod.getNameservers()));
        List<String> searches = new ArrayList<>(base.searches());
        searches.addAll(nullToEmpty(pod.getSearches()));
        Map<String, String> options = new LinkedHashMap<>();
        for (String option : base.options()) {
            int colon = option.indexOf(':');
            if (colon >= 0) {
                options.put(option.substring(0, colon), option.substring(colon + 1));
            } else {
                options.put(option, "");
            }
        }
        for (PodDNSConfigOption option : nullToEmpty(pod.getOptions())) {
            options.put(option.getName(), option.getValue() == null ? "" : option.getValue());
        }
        List<String> optionList = new ArrayList<>();
        options.forEach((name, value) -> optionList.add(value.isEmpty() ? name : name + ":" + value));
        return new DnsConfig(distinct(servers), distinct(searches), optionList);
    }

    static DnsConfig fitLimits(DnsConfig config, Consumer<String> warnings) {
        List<String> servers = config.servers();
        if (servers.size() > MAX_NAMESERVERS) {
            servers = servers.subList(0, MAX_NAMESERVERS);
            warnings.accept("Nameserver limits were exceeded, some nameservers have been omitted, the applied"
                    + " nameserver line is: " + String.join(" ", servers));
        }
        List<String> searches = new ArrayList<>(config.searches());
        boolean cut = false;
        if (searches.size() > MAX_SEARCHES) {
            searches = new ArrayList<>(searches.subList(0, MAX_SEARCHES));
            cut = true;
        }
        cut |= searches.removeIf(domain -> domain.length() > MAX_DOMAIN_LENGTH);
        while (String.join(" ", searches).length() > MAX_SEARCH_CHARS) {
            searches.remove(searches.size() - 1);
            cut = true;
        }
        if (cut) {
            warnings.accept("Search Line limits were exceeded, some search paths have been omitted, the applied"
                    + " search line is: " + String.join(" ", searches));
        }
        return new DnsConfig(servers, searches, config.options());
    }

    /**
     * The resolver a resolv.conf describes, read as the kubelet reads the host's: nameserver lines
     * add up, the last search line and the last options line win, a trailing dot is dropped from
     * search domains and {@code .} alone is ignored; comments start with {@code #} or {@code ;}.
     */
    static DnsConfig parseResolvConf(String text) {
        List<String> servers = new ArrayList<>();
        List<String> searches = new ArrayList<>();
        List<String> options = new ArrayList<>();
        for (String rawLine : text.split("\n")) {
            String line = rawLine.trim();
            if (line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            String[] fields = line.split("\\s+");
            if (fields.length == 0 || fields[0].isEmpty()) {
                continue;
            }
            switch (fields[0]) {
                case "nameserver" -> {
                    if (fields.length >= 2) {
                        servers.add(fields[1]);
                    }
                }
                case "search" -> {
                    searches.clear();
                    for (int i = 1; i < fields.length; i++) {
                        if (!fields[i].equals(".")) {
                            searches.add(fields[i].endsWith(".")
                                    ? fields[i].substring(0, fields[i].length() - 1) : fields[i]);
                        }
                    }
                }
                case "options" -> {
                    options.clear();
                    options.addAll(List.of(fields).subList(1, fields.length));
                }
                default -> {
                    // domain, sortlist...: not part of a pod's DNS config
                }
            }
        }
        return new DnsConfig(servers, searches, options);
    }

    private static List<String> distinct(List<String> values) {
        return List.copyOf(new LinkedHashSet<>(values));
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
