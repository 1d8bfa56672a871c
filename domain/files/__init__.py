"""Files stored on disk for every area: photos, pictures left at the desk, renovation documents."""
