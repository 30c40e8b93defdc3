import mysterylib
mysterylib.setup()
