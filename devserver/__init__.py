"""A throwaway local Synapse for `./zvh dev`, the tests and the benchmarks: tooling, not the bot."""
