// Package matrix runs the benchmark matrix: every scenario against every echo
// server, each server pinned to CPU 0 and the load generator to CPU 1 (with
// taskset), each configuration repeated, and the medians printed as a
// Markdown table with ratios to gorilla/websocket.
package matrix
