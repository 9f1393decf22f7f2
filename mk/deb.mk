# deb.mk: `make deb` builds the Debian package (dpkg-buildpackage) into the
# parent directory and runs lintian on it; needs debhelper and lintian.
.PHONY: deb
deb:
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(DEB_PKGS) debhelper lintian fakeroot dpkg-dev"
	dpkg-buildpackage -us -uc -b
	lintian --fail-on error ../herald_$(VERSION)_*.deb
