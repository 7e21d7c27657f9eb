"""The console: the caseworkers' web application, over the services' public HTTP APIs."""
