"""Transport and authentication for the MyBMW API."""
