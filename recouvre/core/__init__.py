"""Pure-Python decisions and value objects. Nothing in this package imports Django."""
