"""`salesplan hub`: sign-in, roles and scopes for an organisation, through JupyterHub.

`app` prepares and runs the hub for one workbook; `accounts` creates the OS account each dashboard user's
server runs as; `spawner` starts those servers (the hub imports it); `dashonly` is the Authorizer of a
dashboard-only server; `scoped` is what a staged dashboard notebook calls in the user's kernel.
"""
