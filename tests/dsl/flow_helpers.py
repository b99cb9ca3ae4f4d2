"""Shared test data for the .flow tests."""

# the tasks.py that test flows import from
TASKS_PY = """
def double(x):
    return x * 2

def add(x, n=1):
    return x + n

def total(values):
    return sum(values)

def pair(values):
    return list(values)

def numbers(limit=3):
    return list(range(limit))

def ping():
    return "pong"

not_a_function = 42
"""
