// Package adaptertest holds the scenarios every framework adapter must pass,
// written once and run against each adapter's real router on a real loopback
// listener: each adapter's tests describe how to mount routes (a Setup) and
// call Run and RunBrowser. Users of wsplug never import it.
package adaptertest
