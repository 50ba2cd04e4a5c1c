"""Sales: deals and pipelines (this package), with quotes, contracts, orders and competitors as sub-apps."""
