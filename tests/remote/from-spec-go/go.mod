module polyplug.test/fromspec

go 1.25
