module leakshapes127

go 1.27
