"""E-mail notifications: each user's settings, the one-click stop link, the administrator's
mail page."""
