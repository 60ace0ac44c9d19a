"""CCR benchmarks: a partnership scored on 12 components, its findings turned into actions, set beside others."""
