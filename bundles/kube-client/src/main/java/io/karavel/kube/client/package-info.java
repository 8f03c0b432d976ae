/**
 * How Karavel's node components build their fabric8 client for the API server (exported by
 * bnd.bnd, version 2.0.0).
 */
package io.karavel.kube.client;
