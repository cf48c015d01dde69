"""Side-by-side benchmarks of bmw_mybmw against the reference library and the core integration."""
