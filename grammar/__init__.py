"""The .flow grammar (flow.lark); the wheel ships this folder as ``asyncflow.grammar``."""
