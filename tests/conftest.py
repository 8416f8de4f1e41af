import matplotlib

# Examples and plots run headless in the test suite.
matplotlib.use("Agg")
