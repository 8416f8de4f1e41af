class ManualMLPClassifier:  # placeholder while the module is being written
    pass
