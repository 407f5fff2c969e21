"""Views of the staff web app, by area. Every view reads ``request.organization`` and passes it to selectors."""
