"""Pure protocol core: bytes and DNS answers in, frozen results out. No I/O, no clocks, no logging."""
