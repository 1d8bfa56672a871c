"""The front-desk counter: parcels, small-item storage and lending."""
