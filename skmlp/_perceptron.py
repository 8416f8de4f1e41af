class PerceptronClassifier:  # placeholder while the module is being written
    pass
