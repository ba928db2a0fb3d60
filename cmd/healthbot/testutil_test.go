package main

import (
	"strings"
	"sync"
)

// stringsBuilder is a strings.Builder safe for the concurrent writes a
// logger and a command may make.
type stringsBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *stringsBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *stringsBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
