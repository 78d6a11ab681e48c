/// Whole-process CLI figures (issue 4). Filled in by the CLI work.
func runCLIBenchmarks() throws {}
