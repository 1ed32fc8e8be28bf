module colash

go 1.26
