package dsl

import "reflect"

// Symbols are the colash packages' exported symbols, filled by the generated files
// (colash-stdlib.go). Regenerate them after changing colash/stdlib's exported API:
//
//	go generate ./dsl
//
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract -name dsl colash/stdlib
var Symbols = map[string]map[string]reflect.Value{}
