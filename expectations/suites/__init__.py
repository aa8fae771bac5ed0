"""One module per gated table; each exposes `build() -> gx.ExpectationSuite`."""
