package io.karavel.jetty;

import org.eclipse.jetty.client.ContentDecoder;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.Content;

/** Settings every Jetty {@link HttpClient} of Karavel needs inside Karaf. */
public final class HttpClients {
    private HttpClients() {
    }

    /**
     * Accepts only the "identity" content encoding. With no decoder configured,
     * {@code HttpClient.start()} loads the {@code org.eclipse.jetty.compression} codecs through an
     * optional import that Karaf leaves unwired (a {@code NoClassDefFoundError} inside Karaf).
     * Karavel's own peers (node agents, podman) never compress their responses.
     */
    public static HttpClient identityEncodingOnly(HttpClient http) {
        http.getContentDecoderFactories().put(new ContentDecoder.Factory("identity") {
            @Override
            public Content.Source newDecoderContentSource(Content.Source source) {
                return source;
            }
        });
        return http;
    }
}
