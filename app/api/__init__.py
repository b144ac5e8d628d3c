"""HTTP routers, one module per resource; deps.py holds the request-parsing dependencies."""
