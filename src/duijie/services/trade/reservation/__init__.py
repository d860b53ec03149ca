"""The room reservation: bookings of rooms, halls and KTV rooms as a kind of trade."""
