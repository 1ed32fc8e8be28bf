// Package lint holds tests that read colash's own source and fail on patterns that must not come
// back (see device_test.go). It has no code of its own.
package lint
