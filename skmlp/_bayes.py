class GaussianBayesClassifier:  # placeholder while the module is being written
    pass
