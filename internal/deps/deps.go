//go:build tools

// Package deps pins modules that are used only by tests and tools.
package deps

import _ "github.com/dlclark/regexp2/v2"
