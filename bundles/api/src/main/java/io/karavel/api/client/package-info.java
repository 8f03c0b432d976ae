/**
 * In-process access to the API server for control-plane components (controllers, scheduler):
 * the same pipeline as REST (defaulting, validation, admission, deletion semantics, the store's
 * compare-and-swap), without HTTP. Implemented by the API server bundle.
 */
@Export
@Version("1.1.0")
package io.karavel.api.client;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
