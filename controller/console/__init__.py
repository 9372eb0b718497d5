"""The clerk console: a web page served by the daemon (aiohttp), with a JSON API and one WebSocket.

``controller.console.server.start_console`` starts it; ``controller.console.users.add_user_parser`` is the
`courtroom console-user` command. This package imports nothing itself, so the command line stays light.
"""
