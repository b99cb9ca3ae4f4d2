"""The .flow grammar, shipped as package data of ``asyncflow.grammar`` (see asyncflow.dsl.grammar)."""
