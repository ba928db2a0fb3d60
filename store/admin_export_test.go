package store

// IsAdminSQL and AdminArgs expose the admin rule's SQL to the agreement
// test in store_test.
func IsAdminSQL(traits string, p int) string { return isAdminSQL(traits, p) }

// AdminArgs are IsAdminSQL's parameters.
func AdminArgs() []any { return adminArgs() }
