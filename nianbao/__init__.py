"""nianbao, the product: the `nianbao` command (cli/), the all-in-one launcher of `nianbao run`,
the operator tools (ops/), the embedded nats-server and feed helper (embedded/), and the sample
portal with its synthetic reports (samples/). It may import services/ and shared/; nothing below
imports it (see the import-linter contracts in pyproject.toml)."""
