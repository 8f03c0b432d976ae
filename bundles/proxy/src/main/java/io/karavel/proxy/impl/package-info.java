/** The node's service proxy and cluster DNS (private). */
package io.karavel.proxy.impl;
