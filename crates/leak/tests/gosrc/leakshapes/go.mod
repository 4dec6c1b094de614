module leakshapes

go 1.19
