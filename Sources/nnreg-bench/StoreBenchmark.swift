import Store

/// Store figures (issue 2). Filled in by the Store work.
func runStoreBenchmarks() throws {}
