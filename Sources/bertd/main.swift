import ArgumentParser
print("bertd")
