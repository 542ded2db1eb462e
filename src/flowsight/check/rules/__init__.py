"""Design-review rules, one module per best practice; importing this registers them."""
