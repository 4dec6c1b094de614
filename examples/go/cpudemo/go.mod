module cpudemo

go 1.19
