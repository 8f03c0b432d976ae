package io.karavel.api.store;

import org.osgi.annotation.versioning.ProviderType;

/** A running watch. Closing it stops delivery; it is safe to close more than once. */
@ProviderType
public interface Watch extends AutoCloseable {
    @Override
    void close();
}
