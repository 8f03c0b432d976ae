package io.karavel.apiserver.impl.service;

/**
 * The range node ports come from, e.g. {@code 30000-32767} (Kubernetes'
 * {@code --service-node-port-range}); both ends included.
 */
public record PortRange(int first, int last) {
    public PortRange {
        if (first < 1 || last > 65535 || first > last) {
            throw new IllegalArgumentException("invalid node port range " + first + "-" + last);
        }
    }

    /** Parses {@code first-last} (or a single port). */
    public static PortRange parse(String text) {
        String s = text == null ? "" : text.trim();
        try {
            int dash = s.indexOf('-');
            if (dash < 0) {
                int port = Integer.parseInt(s);
                return new PortRange(port, port);
            }
            return new PortRange(Integer.parseInt(s.substring(0, dash).trim()), Integer.parseInt(s.substring(dash + 1).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("node port range " + text + " is not of the form 30000-32767");
        }
    }

    public boolean contains(int port) {
        return port >= first && port <= last;
    }

    public int size() {
        return last - first + 1;
    }

    @Override
    public String toString() {
        return first + "-" + last;
    }
}
